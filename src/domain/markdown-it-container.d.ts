// markdown-it-container's own typings (@types) are written against markdown-it's CommonJS types; this declares the
// part of its API we use against the ESM ones.
declare module 'markdown-it-container' {
  import type { PluginWithParams } from 'markdown-it';

  const container: PluginWithParams;
  export default container;
}
