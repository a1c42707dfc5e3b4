// ESLint (flat config) for the web app: plain ES modules in the browser, no build step.
// make lint runs it through scripts/setup/web.sh, which puts a copy of this file beside the
// npm tools (in $GREENROOM_CACHE) so that the imports below resolve; paths are relative to
// the repository root, where it runs.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["services/gateway/src/greenroom_gateway/web/vendor/**"] },
  js.configs.recommended,
  {
    files: ["services/gateway/src/greenroom_gateway/web/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // A strict Content-Security-Policy refuses these anyway; say so before a browser does.
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-script-url": "error",
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      "no-shadow": "error",
      "no-use-before-define": ["error", { functions: false, classes: true, variables: true }],
      "no-implicit-globals": "error",
      "no-restricted-syntax": ["error",
        { selector: "AssignmentExpression[left.property.name='innerHTML']",
          message: "Build elements with h() (dom.js): results never become markup." }],
    },
  },
  {
    // boot.js is a classic script (it must run before the first paint), not a module.
    files: ["services/gateway/src/greenroom_gateway/web/js/boot.js"],
    languageOptions: { sourceType: "script" },
  },
];
