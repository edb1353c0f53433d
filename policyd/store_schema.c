#include "config.h"

#include <stdio.h>

#include "store_schema.h"

/*
 * Schema migrations, applied in order, each in its own transaction; the
 * database's PRAGMA user_version says how many have run. Never edit a
 * migration that has shipped: add the next one.
 */
static const char *const migration_1 =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"INSERT INTO meta VALUES ('dir_serial', 1);"
	/* Every uid/gid ever handed out; rows are never deleted, which is what
	 * keeps ids from being reused after deprovisioning. */
	"CREATE TABLE ids (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,"
	" allocated_at INTEGER NOT NULL);"
	"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" uid INTEGER NOT NULL UNIQUE REFERENCES ids(id), gecos TEXT NOT NULL DEFAULT '',"
	" home TEXT NOT NULL, shell TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('active','disabled','deprovisioned')),"
	" pw_verifier TEXT, totp_secret BLOB, totp_last_step INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE TABLE groups (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" gid INTEGER NOT NULL UNIQUE REFERENCES ids(id),"
	" kind TEXT NOT NULL CHECK (kind IN ('user','regular','role')),"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE members (group_id INTEGER NOT NULL REFERENCES groups(id),"
	" user_id INTEGER NOT NULL REFERENCES users(id), added_at INTEGER NOT NULL,"
	" PRIMARY KEY (group_id, user_id));"
	"CREATE INDEX members_user ON members(user_id);"
	"CREATE TABLE ssh_keys (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL REFERENCES users(id),"
	" key TEXT NOT NULL, fingerprint TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '',"
	" added_at INTEGER NOT NULL, UNIQUE (user_id, fingerprint));"
	"CREATE TABLE hosts (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
	" cred_hash TEXT NOT NULL, enrolled_at INTEGER NOT NULL, last_seen INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE host_access (host_id INTEGER NOT NULL REFERENCES hosts(id),"
	" group_id INTEGER NOT NULL REFERENCES groups(id), PRIMARY KEY (host_id, group_id));"
	"CREATE TABLE admin_tokens (id INTEGER PRIMARY KEY AUTOINCREMENT, hash TEXT NOT NULL,"
	" comment TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL REFERENCES users(id),"
	" hash TEXT NOT NULL, mfa INTEGER NOT NULL, created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL);"
	"CREATE TABLE challenges (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL REFERENCES users(id),"
	" hash TEXT NOT NULL, caller TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
	" expires_at INTEGER NOT NULL, service TEXT, origin TEXT, tty TEXT);"
	"CREATE TABLE failures (key TEXT PRIMARY KEY, count INTEGER NOT NULL,"
	" first_at INTEGER NOT NULL, locked_until INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE roles (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" group_id INTEGER NOT NULL UNIQUE REFERENCES groups(id), max_duration INTEGER NOT NULL,"
	" approval TEXT NOT NULL CHECK (approval IN ('none','required')),"
	" approvers_group_id INTEGER REFERENCES groups(id), window TEXT NOT NULL DEFAULT '',"
	" days TEXT NOT NULL DEFAULT '', tz TEXT NOT NULL DEFAULT 'UTC',"
	" networks TEXT NOT NULL DEFAULT '', mfa INTEGER NOT NULL DEFAULT 0,"
	" request_ttl INTEGER NOT NULL, created_at INTEGER NOT NULL);"
	"CREATE TABLE eligibility (role_id INTEGER NOT NULL REFERENCES roles(id),"
	" user_id INTEGER REFERENCES users(id), group_id INTEGER REFERENCES groups(id),"
	" CHECK ((user_id IS NULL) <> (group_id IS NULL)), UNIQUE (role_id, user_id, group_id));"
	"CREATE TABLE requests (id INTEGER PRIMARY KEY AUTOINCREMENT, role_id INTEGER NOT NULL REFERENCES roles(id),"
	" user_id INTEGER NOT NULL REFERENCES users(id), reason TEXT NOT NULL, ticket TEXT NOT NULL DEFAULT '',"
	" duration INTEGER NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('pending','approved','denied','canceled','revoked')),"
	" mfa INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
	" decided_by TEXT NOT NULL DEFAULT '', decided_at INTEGER NOT NULL DEFAULT 0,"
	" decision_reason TEXT NOT NULL DEFAULT '', not_before INTEGER NOT NULL DEFAULT 0,"
	" not_after INTEGER NOT NULL DEFAULT 0, ended_by TEXT NOT NULL DEFAULT '',"
	" ended_at INTEGER NOT NULL DEFAULT 0, end_reason TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX requests_user_role ON requests(user_id, role_id, id);"
	"CREATE INDEX requests_state ON requests(state, not_after);"
	/* The audit log: append-only, enforced by the database itself. */
	"CREATE TABLE audit (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, source TEXT NOT NULL,"
	" event_id TEXT NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL, data TEXT NOT NULL,"
	" prev_hash TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE (source, event_id));"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

/* Issue 5 of the elevation lifecycle: a request may be scoped to one host
 * (NULL: every host), may extend an earlier grant (NULL: an ordinary
 * request), and records who created it ("user:alice" or "host:web1"). */
static const char *const migration_2 =
	"ALTER TABLE requests ADD COLUMN host_id INTEGER REFERENCES hosts(id);"
	"ALTER TABLE requests ADD COLUMN extends INTEGER REFERENCES requests(id);"
	"ALTER TABLE requests ADD COLUMN created_by TEXT NOT NULL DEFAULT '';"
	"UPDATE requests SET created_by = 'user:' ||"
	" (SELECT name FROM users WHERE users.id = requests.user_id);"
	"CREATE INDEX requests_extends ON requests(extends) WHERE extends IS NOT NULL;";

/* Issue 8, the vault: each escrowed password of a host's local account,
 * sealed by the host to the vault key (the endpoint never stores it in the
 * clear). A rotation escrows a pending version, then confirms it once the
 * host has set it; the one current version is what a check-out reveals. */
static const char *const migration_3 =
	"CREATE TABLE vault_secrets (version INTEGER PRIMARY KEY AUTOINCREMENT,"
	" host_id INTEGER NOT NULL REFERENCES hosts(id), account TEXT NOT NULL,"
	" escrow_id TEXT NOT NULL, sealed TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('pending','current','superseded','abandoned')),"
	" created_at INTEGER NOT NULL, decided_at INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (host_id, account, escrow_id));"
	"CREATE INDEX vault_secrets_account ON vault_secrets(host_id, account, state);"
	"CREATE UNIQUE INDEX vault_one_current ON vault_secrets(host_id, account)"
	" WHERE state = 'current';";

/* The vault's check-outs: a role may name local accounts whose escrowed
 * passwords the holders of its grants may read, on the grant's host; each
 * read is kept, with the grant that allowed it, so that the host can be
 * told to rotate the password once that grant has ended. */
static const char *const migration_4 =
	"ALTER TABLE roles ADD COLUMN secrets TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE vault_checkouts (id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" host_id INTEGER NOT NULL REFERENCES hosts(id), account TEXT NOT NULL,"
	" version INTEGER NOT NULL REFERENCES vault_secrets(version),"
	" request_id INTEGER NOT NULL REFERENCES requests(id),"
	" user_id INTEGER NOT NULL REFERENCES users(id), at INTEGER NOT NULL);"
	"CREATE INDEX vault_checkouts_account ON vault_checkouts(host_id, account, at);";

const char *const store_migrations[] = { migration_1, migration_2, migration_3, migration_4 };
const int store_migration_count = sizeof(store_migrations) / sizeof(store_migrations[0]);
