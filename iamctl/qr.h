/* QR codes for the terminal, drawn with Unicode half blocks (two modules
 * per character cell, which is about square on a terminal). */
#ifndef IAMCTL_QR_H
#define IAMCTL_QR_H

#include <stdio.h>

#include "iam_error.h"

/* Light modules (and the quiet zone) are drawn in the foreground colour,
 * dark ones in the background, which suits the usual light-on-dark
 * terminal; with force_colours the colours are set explicitly (for a
 * terminal whose theme is unknown). The symbol memory is wiped: the text
 * is usually a secret. */
int qr_print(FILE *f, const char *text, int force_colours, struct iam_err *err);

#endif
