#ifndef APPVAULT_CLIBPQ_SHIM_H
#define APPVAULT_CLIBPQ_SHIM_H
#include <dlfcn.h>
#include <postgresql/libpq-fe.h>  /* by path: pkg-config would also link -lpq */

/*
 * libpq is loaded on first use, not linked: it pulls in some twenty libraries (Kerberos, LDAP,
 * GnuTLS...) whose loading cost every `appvault` command about 3 ms and 240 page faults, while
 * only a vault in PostgreSQL needs it. Each appvault_PQname() returns libpq's PQname (its type
 * taken from libpq-fe.h, so the signatures cannot drift), or NULL when libpq is missing;
 * appvault_pq_load() resolves them all and says whether every one was found.
 */
static inline void *appvault_pq_library(void) {
    static void *handle;
    void *loaded = __atomic_load_n(&handle, __ATOMIC_ACQUIRE);
    if (!loaded) {
        loaded = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
        if (loaded) __atomic_store_n(&handle, loaded, __ATOMIC_RELEASE);
    }
    return loaded;
}

#define APPVAULT_PQ(name) \
    static inline __typeof__(&name) appvault_##name(void) { \
        static __typeof__(&name) function; \
        __typeof__(&name) found = __atomic_load_n(&function, __ATOMIC_ACQUIRE); \
        if (!found) { \
            void *library = appvault_pq_library(); \
            if (library) found = (__typeof__(&name))dlsym(library, #name); \
            if (found) __atomic_store_n(&function, found, __ATOMIC_RELEASE); \
        } \
        return found; \
    }

APPVAULT_PQ(PQclear)
APPVAULT_PQ(PQntuples)
APPVAULT_PQ(PQcmdTuples)
APPVAULT_PQ(PQfnumber)
APPVAULT_PQ(PQftype)
APPVAULT_PQ(PQgetisnull)
APPVAULT_PQ(PQgetlength)
APPVAULT_PQ(PQgetvalue)
APPVAULT_PQ(PQconninfoParse)
APPVAULT_PQ(PQfreemem)
APPVAULT_PQ(PQconninfoFree)
APPVAULT_PQ(PQfinish)
APPVAULT_PQ(PQconnectdbParams)
APPVAULT_PQ(PQstatus)
APPVAULT_PQ(PQhost)
APPVAULT_PQ(PQsslInUse)
APPVAULT_PQ(PQconninfo)
APPVAULT_PQ(PQtransactionStatus)
APPVAULT_PQ(PQport)
APPVAULT_PQ(PQerrorMessage)
APPVAULT_PQ(PQexec)
APPVAULT_PQ(PQexecPrepared)
APPVAULT_PQ(PQprepare)
APPVAULT_PQ(PQresultStatus)
APPVAULT_PQ(PQresultErrorField)
APPVAULT_PQ(PQsocket)
APPVAULT_PQ(PQconsumeInput)
APPVAULT_PQ(PQnotifies)
APPVAULT_PQ(PQmakeEmptyPGresult)
APPVAULT_PQ(PQsetResultAttrs)
APPVAULT_PQ(PQsetvalue)
APPVAULT_PQ(PQsetNoticeProcessor)

/* Whether libpq loaded and has every function above. */
static inline int appvault_pq_load(void) {
    return appvault_PQclear() && appvault_PQntuples() && appvault_PQcmdTuples() && appvault_PQfnumber()
        && appvault_PQftype() && appvault_PQgetisnull() && appvault_PQgetlength() && appvault_PQgetvalue()
        && appvault_PQconninfoParse() && appvault_PQfreemem() && appvault_PQconninfoFree() && appvault_PQfinish()
        && appvault_PQconnectdbParams() && appvault_PQstatus() && appvault_PQhost() && appvault_PQsslInUse()
        && appvault_PQconninfo() && appvault_PQtransactionStatus() && appvault_PQport() && appvault_PQerrorMessage()
        && appvault_PQexec() && appvault_PQexecPrepared() && appvault_PQprepare() && appvault_PQresultStatus()
        && appvault_PQresultErrorField() && appvault_PQsocket() && appvault_PQconsumeInput() && appvault_PQnotifies()
        && appvault_PQmakeEmptyPGresult() && appvault_PQsetResultAttrs() && appvault_PQsetvalue()
        && appvault_PQsetNoticeProcessor();
}

/* The diagnostic field codes are character macros, which Swift does not import. */
static inline int appvault_pq_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
static inline int appvault_pq_diag_message_primary(void) { return PG_DIAG_MESSAGE_PRIMARY; }

/* A notice processor that drops server notices (libpq prints them to stderr by default). */
static inline void appvault_pq_ignore_notice(void *arg, const char *message) { (void)arg; (void)message; }
static inline void appvault_pq_silence_notices(PGconn *conn) {
    appvault_PQsetNoticeProcessor()(conn, appvault_pq_ignore_notice, 0);
}
#endif
