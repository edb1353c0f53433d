/*
 * Ending the sessions of ended grants (jit_end_sessions = yes in
 * iam.conf): a thread of the daemon reads the records pam_jit leaves in
 * jit_session_dir (common/jit_session.h) and ends the processes of each
 * session whose grant has expired (the record's not_after) or was revoked
 * (the role's membership is gone from a cache newer than the record):
 * SIGTERM to the session's process tree, SIGKILL after jit_end_grace.
 */
#ifndef IAMD_JIT_END_H
#define IAMD_JIT_END_H

#include "agent.h"

/* Starts the thread when jit_end_sessions is on (0 when off, or
 * -EAGAIN). It looks at the records at once, then at least every second,
 * at the earliest not_after and SIGKILL deadline, and after each
 * jit_end_kick(). */
int jit_end_start(struct agent *a);
/* The sync worker's call after it put a new cache in place: revocations
 * reach the sessions now. Does nothing when the thread is not running. */
void jit_end_kick(void);

#endif
