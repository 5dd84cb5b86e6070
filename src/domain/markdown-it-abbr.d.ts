// markdown-it-abbr ships no types; this is the part of its API we use.
declare module 'markdown-it-abbr' {
  import type { PluginSimple } from 'markdown-it';

  const abbr: PluginSimple;
  export default abbr;
}
