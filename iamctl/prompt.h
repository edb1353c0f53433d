/*
 * Secrets typed by a person or piped by a script. Every buffer that held a
 * secret is wiped; the caller frees the result with iam_free_secret().
 */
#ifndef IAMCTL_PROMPT_H
#define IAMCTL_PROMPT_H

#include "iam_error.h"

#define PROMPT_MAX_LINE 4096

/* One line of standard input, read without stdio so that nothing stays in
 * a buffer and the following lines are left for the next call. The line
 * ending is removed. -ENODATA at end of input, -E2BIG for a line longer
 * than PROMPT_MAX_LINE. */
int prompt_stdin_line(char **out, struct iam_err *err);

/* Asks on the controlling terminal with echo off. -ENXIO when there is no
 * terminal. A signal while asking restores the terminal and is then
 * delivered as usual. */
int prompt_tty_secret(const char *prompt, char **out, struct iam_err *err);

#endif
