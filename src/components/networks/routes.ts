/** The Networks page's path relative to the app's base. */
export const NETWORKS_ROUTE = 'networks';
