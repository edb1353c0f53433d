#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <qrencode.h>

#include "qr.h"
#include "secmem.h"

/* The quiet zone the QR standard asks for around the symbol, in modules. */
#define QUIET 4

#define ANSI_LIGHT_ON_DARK "\033[97;40m"
#define ANSI_RESET "\033[0m"

/* 1 for a dark module; outside the symbol is the (light) quiet zone. */
static int dark(const QRcode *qr, int x, int y)
{
	x -= QUIET;
	y -= QUIET;
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 0;
	return qr->data[y * qr->width + x] & 1;
}

/* One character for two modules above each other. */
static const char *half_block(int top_dark, int bottom_dark)
{
	if (!top_dark && !bottom_dark)
		return "\xe2\x96\x88"; /* full block */
	if (!top_dark)
		return "\xe2\x96\x80"; /* upper half */
	if (!bottom_dark)
		return "\xe2\x96\x84"; /* lower half */
	return " ";
}

static void draw(FILE *f, const QRcode *qr, int force_colours)
{
	int size = qr->width + 2 * QUIET;
	int x, y;

	for (y = 0; y < size; y += 2) {
		if (force_colours)
			fputs(ANSI_LIGHT_ON_DARK, f);
		for (x = 0; x < size; x++)
			fputs(half_block(dark(qr, x, y), dark(qr, x, y + 1)), f);
		if (force_colours)
			fputs(ANSI_RESET, f);
		fputc('\n', f);
	}
}

int qr_print(FILE *f, const char *text, int force_colours, struct iam_err *err)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);

	if (!qr) {
		iam_err_set(err, "cannot make a QR code: %s", strerror(errno));
		return -EIO;
	}
	draw(f, qr, force_colours);
	iam_wipe(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);
	return 0;
}
