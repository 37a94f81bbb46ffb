// esbuild bundles imported stylesheets into the hashed app CSS file.
declare module "*.css";
