/**
 * The web adapter's table from WikiError codes to the HTTP status of the HTML error page: the same statuses as the
 * REST API (the HTTP adapters' shared table), so a refusal means the same whichever door it came through.
 */
import { HTTP_STATUS } from '../http-status.js';

export const WEB_STATUS = HTTP_STATUS;
