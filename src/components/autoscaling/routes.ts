/** The autoscaling pages' path relative to the app's base (the rules, and `autoscaling/:id`). */
export const AUTOSCALING_ROUTE = 'autoscaling';
