// The real SystemJS 6 with the AMD and named-register extras, as Grafana loads it
// (grafana/grafana public/app/features/plugins/loader/systemjs.ts). The extras patch the global
// System that the core script creates, so the order matters.
import 'systemjs/dist/system.js';
import 'systemjs/dist/extras/amd.js';
import 'systemjs/dist/extras/named-register.js';
import { HOST_MODULES } from './hostModules';
import { SHARED_DEPENDENCIES, SHARED_DEPENDENCY_PREFIX, type GrafanaLine } from './shared/lines';

/**
 * Plugin module loading as Grafana does it, rule by rule (each names the Grafana file it follows;
 * no Grafana code is copied):
 *
 *  1. Shared modules: every key of the line's list (./shared/) is registered as
 *     `package:<key>` and the import map sends the bare key there
 *     (loader/utils.ts `buildImportMap`, pluginLoader.ts `SystemJS.addImportMap({ imports })`);
 *     objects are set in the registry, loaders are named registers that run on first import.
 *     A listed key the host has nothing for (./hostModules.ts) loads as an error that says so.
 *  2. Resolution (loader/systemjsHooks.ts `decorateSystemJSResolve`): a specifier that neither
 *     the import map nor a URL resolves is logged ("SystemJS: failed to resolve '<id>'", a
 *     console.warn in the newest version) and handed on unchanged, so SystemJS then fetches it
 *     as a URL relative to the page; Grafana's server answers 404 (pkg/api/index.go
 *     `NotFoundHandler`, as the test host's server does) and the plugin fails to load. A resolved
 *     URL without a file extension gets `.js` (`getBackWardsCompatibleUrl`).
 *  3. Fetch or script (pluginLoader.ts `shouldFetch`): `.js` files of a plugin whose
 *     loadingStrategy is "script" load through a <script> tag, anything else through fetch + eval.
 *     A plugin on the local file system without Angular gets "script"
 *     (pkg/services/pluginsintegration/pluginassets/pluginassets.go `LoadingStrategy`).
 *  4. Import (pluginLoader.ts): a module marked `__useDefault` is replaced by its default export;
 *     a failed import is logged as console.error "Could not load plugin: …" and rethrown
 *     (`importPluginModule`).
 */

interface SystemJSHooks {
  resolve(id: string, parentUrl?: string): string;
  shouldFetch(url: string): boolean;
  import(id: string, parentUrl?: string): Promise<Record<string, unknown>>;
}
interface SystemJSInstance extends SystemJSHooks {
  constructor: { prototype: SystemJSHooks };
  set(id: string, module: object): void;
  register(name: string, deps: string[], declare: (exp: (ns: object) => void) => { execute(): unknown }): void;
  addImportMap(map: { imports: Record<string, string> }): void;
}

const SystemJS = (window as unknown as { System: SystemJSInstance }).System;

/** The error a listed module the host does not bundle fails with. */
export function notProvidedMessage(key: string, line: GrafanaLine): string {
  return `"${key}" is shared by Grafana ${line} (sharedDependencies.ts), not provided by the test host`;
}

let installed: GrafanaLine | undefined;

/** Registers the line's shared modules and installs the hooks; once per page. */
export function installPluginLoader(line: GrafanaLine): void {
  if (installed) {
    if (installed !== line) {
      throw new Error(`plugin loader already installed for Grafana ${installed}`);
    }
    return;
  }
  installed = line;
  const imports: Record<string, string> = {};
  for (const key of SHARED_DEPENDENCIES[line]) {
    const id = `${SHARED_DEPENDENCY_PREFIX}:${key}`;
    imports[key] = id;
    const provided = HOST_MODULES[key];
    if (provided && 'module' in provided) {
      SystemJS.set(id, provided.module);
    } else {
      const load = provided ? provided.load : () => Promise.reject(new Error(notProvidedMessage(key, line)));
      SystemJS.register(id, [], (exp) => ({
        execute: async () => {
          exp(await load());
        },
      }));
    }
  }
  SystemJS.addImportMap({ imports });

  const proto = SystemJS.constructor.prototype;
  const resolve = proto.resolve;
  proto.resolve = function (this: SystemJSInstance, id: string, parentUrl?: string) {
    let url: string;
    try {
      url = resolve.call(this, id, parentUrl);
    } catch {
      console.warn(`SystemJS: failed to resolve '${id}'`);
      return id;
    }
    if (url.startsWith(`${SHARED_DEPENDENCY_PREFIX}:`)) {
      return url;
    }
    const bare = url.endsWith('!') ? url.slice(0, -1) : url;
    return /\.(css|js|json|wasm)$/.test(bare) ? bare : `${bare}.js`;
  };
  // Every plugin the host serves is a local, non-Angular one: loadingStrategy "script".
  proto.shouldFetch = (url: string) => !/^[^#?]+\.js([?#].*)?$/.test(url);
  const doImport = proto.import;
  proto.import = function (this: SystemJSInstance, id: string, parentUrl?: string) {
    return doImport
      .call(this, id, parentUrl)
      .then((m) => (m && m.__useDefault ? (m.default as Record<string, unknown>) : m));
  };
}

/** `importPluginModule` for a module path such as `public/plugins/<id>/module.js`. */
export function importPluginModule(path: string): Promise<Record<string, unknown>> {
  const url = path.startsWith('/') || path.startsWith('http') ? path : `/${path}`;
  return SystemJS.import(url).catch((e: unknown) => {
    const error = new Error(`Could not load plugin: ${String(e)}`);
    console.error(error);
    throw error;
  });
}
