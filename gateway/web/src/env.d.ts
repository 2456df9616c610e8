// esbuild bundles CSS imported from TypeScript into app-[hash].css.
declare module '*.css';
