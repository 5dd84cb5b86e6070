// The web adapter: server-rendered HTML pages over the use cases, sessions by cookie, CSRF-checked forms.
export { registerWebRoutes } from './routes.js';
export { registerAccountRoutes } from './account-routes.js';
export { registerOidcRoutes } from './oidc-routes.js';
export { registerEmailRoutes } from './email-routes.js';
export { WEB_STATUS } from './error-table.js';
export { escapeHtml, html, markOnly, trusted, Html } from './html.js';
export { safeNext } from './http.js';
