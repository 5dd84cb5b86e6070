/**
 * The REST adapter's table from WikiError codes to HTTP statuses: the HTTP adapters' shared one. A test checks that
 * every code is mapped.
 */
export { HTTP_STATUS } from '../http-status.js';
