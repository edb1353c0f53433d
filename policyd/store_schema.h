#ifndef IAM_POLICYD_STORE_SCHEMA_H
#define IAM_POLICYD_STORE_SCHEMA_H

extern const char *const store_migrations[];
extern const int store_migration_count;

#endif
