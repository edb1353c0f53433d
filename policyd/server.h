/* The HTTPS front of iam-policyd on libmicrohttpd: one thread per
 * connection (long-polls block only their own), bodies capped at max_body,
 * TLS 1.2+ only. */
#ifndef IAM_POLICYD_SERVER_H
#define IAM_POLICYD_SERVER_H

#include "api.h"
#include "iam_error.h"

struct server;

/* Starts listening on "ADDR:PORT" ("[v6]:PORT"); PORT 0 picks a free one,
 * reported in *port. */
int server_start(struct server_ctx *ctx, const char *listen, const char *cert_pem,
		 const char *key_pem, struct server **out, unsigned *port, struct iam_err *err);
void server_stop(struct server *s);

/* "ADDR:PORT" to a socket address; for the config check too. */
int server_parse_listen(const char *listen, void *sockaddr_storage, unsigned *port);

#endif
