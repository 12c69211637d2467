#ifndef CONVEYOR_COPENSSL_SHIM_H
#define CONVEYOR_COPENSSL_SHIM_H
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* SSL_set_tlsext_host_name is a macro, which Swift cannot call. */
static inline int conveyor_ssl_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
#endif
