/** The console's pages, parsed from the address; a page for a capability that has not landed has no route. */
export type Route =
  | { readonly kind: 'home' }
  | { readonly kind: 'overview' }
  | { readonly kind: 'customers' }
  | { readonly kind: 'customer'; readonly id: number }
  | { readonly kind: 'users' }
  | { readonly kind: 'keys' }
  | { readonly kind: 'audit' }
  | { readonly kind: 'channels' }
  | { readonly kind: 'contact' }
  | { readonly kind: 'messages' }
  | { readonly kind: 'segments' }
  | { readonly kind: 'segment_new' }
  | { readonly kind: 'segment'; readonly id: number }
  | { readonly kind: 'segment_edit'; readonly id: number }
  | { readonly kind: 'journeys' }
  | { readonly kind: 'journey_new' }
  | { readonly kind: 'journey'; readonly id: number }
  | { readonly kind: 'campaigns' }
  | { readonly kind: 'campaign_new' }
  | { readonly kind: 'campaign'; readonly id: number }
  | { readonly kind: 'campaign_edit'; readonly id: number }
  | { readonly kind: 'loyalty' }
  | { readonly kind: 'not_found' };

/**
 * Reads the page from a path: `/` is home (the overview once analytics has data, else the customer
 * list), `/overview` the overview, `/customers` the list, `/customers/42` a customer 360, `/segments` the
 * saved segments, `/segments/new` the rule builder, `/segments/7` a segment and `/segments/7/edit` its rule.
 */
export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { kind: 'home' };
  if (path === '/overview') return { kind: 'overview' };
  if (path === '/customers') return { kind: 'customers' };
  if (path === '/settings/users') return { kind: 'users' };
  if (path === '/settings/keys') return { kind: 'keys' };
  if (path === '/settings/audit') return { kind: 'audit' };
  if (path === '/settings/channels') return { kind: 'channels' };
  if (path === '/settings/contact-policy') return { kind: 'contact' };
  if (path === '/settings/messages') return { kind: 'messages' };
  const customer = /^\/customers\/(\d{1,15})$/.exec(path);
  if (customer) return { kind: 'customer', id: Number(customer[1]) };
  if (path === '/segments') return { kind: 'segments' };
  if (path === '/segments/new') return { kind: 'segment_new' };
  const segment = /^\/segments\/(\d{1,15})(\/edit)?$/.exec(path);
  if (segment) return segment[2] ? { kind: 'segment_edit', id: Number(segment[1]) } : { kind: 'segment', id: Number(segment[1]) };
  if (path === '/loyalty') return { kind: 'loyalty' };
  if (path === '/journeys') return { kind: 'journeys' };
  if (path === '/journeys/new') return { kind: 'journey_new' };
  const journey = /^\/journeys\/(\d{1,15})$/.exec(path);
  if (journey) return { kind: 'journey', id: Number(journey[1]) };
  if (path === '/campaigns') return { kind: 'campaigns' };
  if (path === '/campaigns/new') return { kind: 'campaign_new' };
  const campaign = /^\/campaigns\/(\d{1,15})(\/edit)?$/.exec(path);
  if (campaign) return campaign[2] ? { kind: 'campaign_edit', id: Number(campaign[1]) } : { kind: 'campaign', id: Number(campaign[1]) };
  return { kind: 'not_found' };
}

/** The segments pages: the list, a new segment, one segment, and its rule editor. */
export const segmentsPath = '/segments';
export const newSegmentPath = '/segments/new';
export const segmentPath = (id: number): string => `/segments/${id}`;
export const segmentEditPath = (id: number): string => `/segments/${id}/edit`;

/** The journeys pages: the list, a new journey's canvas, and a journey's canvas. */
export const journeysPath = '/journeys';
export const newJourneyPath = '/journeys/new';
export const journeyPath = (id: number): string => `/journeys/${id}`;

/** The campaigns pages: the list, the composer, and a campaign with its results. */
export const campaignsPath = '/campaigns';
export const newCampaignPath = '/campaigns/new';
export const campaignPath = (id: number): string => `/campaigns/${id}`;
export const campaignEditPath = (id: number): string => `/campaigns/${id}/edit`;

/** The loyalty page: program rules, tiers and coupon templates. */
export const loyaltyPath = '/loyalty';

/** The path of a customer's 360 page. */
export const customerPath = (id: number): string => `/customers/${id}`;

/** The customer list's path with its filters, so the back button and a shared link keep them. */
export function customersPath(filters: { q?: string; tag?: string } = {}): string {
  const params = new URLSearchParams();
  if (filters.q) params.set('q', filters.q);
  if (filters.tag) params.set('tag', filters.tag);
  const search = params.toString();
  return `/customers${search ? `?${search}` : ''}`;
}

/** The overview's path with its period (at `/` when it is shown as home). */
export function overviewPath(home = false, period?: { from: string; to: string }): string {
  const search = period ? `?${new URLSearchParams({ from: period.from, to: period.to }).toString()}` : '';
  return `${home ? '/' : '/overview'}${search}`;
}
