import { fileURLToPath } from 'node:url';

/**
 * Set by esbuild's `define` in the prebuilt bundle (bundle.mjs) to the repository's root;
 * undeclared, so `typeof` gives "undefined", when the TypeScript sources run.
 */
declare const FAULTLINE_BUNDLED_FROM: string | undefined;

/** Whether this code runs from the prebuilt bundle rather than from the TypeScript sources. */
export const IN_BUNDLE = typeof FAULTLINE_BUNDLED_FROM === 'string';

/**
 * The repository's root folder. From the sources it is two folders above this file; in the
 * bundle, import.meta.url is the bundle's file in node_modules/.cache/, so the root is the
 * one written in when it was built.
 */
export const ROOT: string = typeof FAULTLINE_BUNDLED_FROM === 'string' ? FAULTLINE_BUNDLED_FROM : fileURLToPath(new URL('../../', import.meta.url));
