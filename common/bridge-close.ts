/**
 * WebSocket close codes the headless bridge ends a socket with, shared with the renderer so a
 * tab can tell "refused" from "the app went away" (a browser can't read an HTTP refusal's status).
 */

/** The socket's token is not this run's: the app was restarted with a new one. Retrying can't help. */
export const TOKEN_REFUSED_CLOSE_CODE = 4401;
