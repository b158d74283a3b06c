#ifndef APPVAULT_CLIBPQ_SHIM_H
#define APPVAULT_CLIBPQ_SHIM_H
#include <libpq-fe.h>

/* The diagnostic field codes are character macros, which Swift does not import. */
static inline int appvault_pq_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
static inline int appvault_pq_diag_message_primary(void) { return PG_DIAG_MESSAGE_PRIMARY; }

/* A notice processor that drops server notices (libpq prints them to stderr by default). */
static inline void appvault_pq_ignore_notice(void *arg, const char *message) { (void)arg; (void)message; }
static inline void appvault_pq_silence_notices(PGconn *conn) {
    PQsetNoticeProcessor(conn, appvault_pq_ignore_notice, 0);
}
#endif
