/*
 * dlopen_check SO SYMBOL... -- !HIDDEN...: loads SO with RTLD_NOW (every
 * undefined symbol resolved at once, as sshd and sudo load modules), finds
 * each SYMBOL, and finds none of the HIDDEN ones (names from common/ that
 * must stay inside the module). Exit 0 when all holds, 1 otherwise.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	void *h;
	int i, hidden = 0, bad = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: dlopen_check SO SYMBOL... [-- HIDDEN...]\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		printf("FAIL: dlopen(%s, RTLD_NOW): %s\n", argv[1], dlerror());
		return 1;
	}
	for (i = 2; i < argc; i++) {
		void *sym;

		if (strcmp(argv[i], "--") == 0) {
			hidden = 1;
			continue;
		}
		dlerror();
		sym = dlsym(h, argv[i]);
		if (!hidden && !sym) {
			printf("FAIL: %s does not export %s\n", argv[1], argv[i]);
			bad = 1;
		} else if (hidden && sym) {
			printf("FAIL: %s lets %s out\n", argv[1], argv[i]);
			bad = 1;
		}
	}
	dlclose(h);
	return bad;
}
