/* The registry of all command tables, and the help texts built from it. */
#ifndef IAMCTL_COMMANDS_H
#define IAMCTL_COMMANDS_H

#include <stdio.h>

#include "iamctl.h"

/* The command whose name is the longest run of leading words of argv;
 * *words says how many it took. NULL when none matches. */
const struct cli_command *cli_find_command(int argc, char *const *argv, int *words);

/* How many commands start with these words ("user", "user key"). */
size_t cli_count_group(int nwords, char *const *words);

void help_overview(FILE *f);
void help_command(FILE *f, const struct cli_command *cmd);
/* The commands that start with these words. */
void help_group(FILE *f, int nwords, char *const *words);

#endif
