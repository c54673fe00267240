/** The service pages' path relative to the app's base (the list, and `services/:id`). */
export const SERVICES_ROUTE = 'services';
