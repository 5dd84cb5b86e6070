// The OAuth adapter: the authorization server's routes, sign-in and consent pages, and the connected-apps API.
export { registerOAuthRoutes } from './routes.js';
