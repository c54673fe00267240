/**
 * A minimal AMD loader, enough for a webpack `library: { type: 'amd' }` bundle: the script calls
 * the global `define(deps, factory)`; each dependency must be a shared module the host provides,
 * as in Grafana, where a plugin asking for an unknown module fails to load.
 */
type Define = ((deps: string[], factory: (...mods: unknown[]) => unknown) => void) & { amd?: object };

export function loadAmdModule(url: string, shared: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const define: Define = (deps, factory) => {
      try {
        const missing = deps.filter((d) => !(d in shared));
        if (missing.length) {
          throw new Error(`${url} needs shared modules the host does not provide: ${missing.join(', ')}`);
        }
        resolve(factory(...deps.map((d) => shared[d])) as Record<string, unknown>);
      } catch (e) {
        reject(e);
      }
    };
    define.amd = {};
    (window as unknown as { define: Define }).define = define;
    const script = document.createElement('script');
    script.src = url;
    script.async = true;
    script.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.appendChild(script);
  });
}
