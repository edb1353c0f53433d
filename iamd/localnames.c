#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "localnames.h"
#include "safe_file.h"

#define LOCAL_FILE_MAX (64u << 20)

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t count_lines(const char *text)
{
	size_t n = 1;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* Cuts each line's first field out in place and collects it. */
static void collect(struct name_set *s)
{
	char *line = s->text;

	while (line && *line) {
		char *end = strchr(line, '\n'), *colon;

		if (end)
			*end++ = '\0';
		colon = strchr(line, ':');
		if (colon)
			*colon = '\0';
		if (*line)
			s->names[s->n++] = line;
		line = end;
	}
}

int name_set_load(struct name_set *s, const char *path, struct iam_err *err)
{
	int r;

	memset(s, 0, sizeof(*s));
	r = iam_file_read(path, 0, LOCAL_FILE_MAX, 0, &s->text, NULL, err);
	if (r < 0)
		return r;
	s->names = malloc(count_lines(s->text) * sizeof(*s->names));
	if (!s->names) {
		name_set_free(s);
		iam_err_set(err, "out of memory reading %s", path);
		return -ENOMEM;
	}
	collect(s);
	qsort(s->names, s->n, sizeof(*s->names), cmp_name);
	return 0;
}

int name_set_has(const struct name_set *s, const char *name)
{
	return s->n && bsearch(&name, s->names, s->n, sizeof(*s->names), cmp_name) != NULL;
}

void name_set_free(struct name_set *s)
{
	free(s->names);
	free(s->text);
	memset(s, 0, sizeof(*s));
}
