import { identityTypes } from '../../access/index.ts';
import { consentChannels } from '../../customers/index.ts';

/** What `patron import` can load. */
export const importKinds = ['customers', 'orders', 'products', 'events', 'surveys'] as const;
export type ImportKind = (typeof importKinds)[number];

/** A field a file column can be mapped onto. */
export interface TargetField {
  readonly name: string;
  readonly description: string;
}

const identityDescriptions: Record<(typeof identityTypes)[number], string> = {
  external_id: 'your customer number (the most specific identifier)',
  wechat_unionid: 'WeChat UnionID',
  email: 'email address (lower-cased)',
  phone: 'phone number (E.164; numbers without a country code are read in --country)',
  wechat_openid: 'WeChat OpenID',
  anonymous_id: 'anonymous or device id',
};

const customerIdentityFields = (prefix: string): TargetField[] => identityTypes.map((type) => ({ name: `${prefix}${type}`, description: identityDescriptions[type] }));

/** The fields of each kind, the catalogue behind `--map`, `--help` and docs/import.md. */
export const targetFields: Record<ImportKind, readonly TargetField[]> = {
  customers: [
    ...customerIdentityFields(''),
    { name: 'name', description: 'full name' },
    { name: 'gender', description: 'female, male or other (F/M and 女/男 are read too)' },
    { name: 'birthday', description: 'date of birth' },
    { name: 'city', description: 'city' },
    { name: 'province', description: 'province or state' },
    { name: 'country', description: 'country' },
    { name: 'timezone', description: 'IANA time zone, e.g. Asia/Shanghai' },
    { name: 'signed_up_at', description: 'when the customer signed up' },
    { name: 'acquisition_channel', description: 'where the customer came from (tmall, jd, store, …)' },
    { name: 'tags', description: 'tags, separated by , ; or | (--tag-separator to choose one)' },
    ...consentChannels.map((channel) => ({ name: `${channel}_consent`, description: `marketing consent for ${channel}: yes/no, true/false, 1/0, opted_in/opted_out, 是/否` })),
    { name: 'consent_at', description: 'when the consent was given or withdrawn (default: the time of the import)' },
    { name: 'consent_source', description: 'where the consent was given, e.g. "store sign-up form" (default: import)' },
    { name: 'attributes.KEY', description: 'a custom attribute named KEY' },
  ],
  orders: [
    { name: 'order_number', description: 'order or invoice number; rows sharing one are the lines of one order (derived when absent)' },
    { name: 'ordered_at', description: 'when the order was placed (required)' },
    ...customerIdentityFields('customer.'),
    { name: 'customer.name', description: "the buyer's name" },
    { name: 'customer.city', description: "the buyer's city" },
    { name: 'customer.province', description: "the buyer's province" },
    { name: 'customer.country', description: "the buyer's country" },
    { name: 'channel', description: 'sales channel (tmall, jd, store, …)' },
    { name: 'store', description: 'store or shop name' },
    { name: 'status', description: 'completed (also paid, shipped, delivered) or cancelled; default completed' },
    { name: 'currency', description: 'ISO currency code; default --currency' },
    { name: 'sku', description: 'product SKU of the line' },
    { name: 'product_name', description: 'product name of the line' },
    { name: 'category', description: 'product category of the line' },
    { name: 'quantity', description: 'quantity of the line (default 1; negative means returned)' },
    { name: 'unit_price', description: 'unit price of the line' },
    { name: 'amount', description: 'line amount after discounts (default quantity × unit_price; negative means refunded)' },
    { name: 'order_total', description: 'total of the whole order, counted once per order (default the sum of its lines)' },
    { name: 'refunded_order', description: 'on a refund row: the number of the order it refunds' },
  ],
  products: [
    { name: 'sku', description: 'SKU (required, the key)' },
    { name: 'name', description: 'product name (required)' },
    { name: 'category', description: 'category' },
    { name: 'price', description: 'list price' },
    { name: 'currency', description: 'ISO currency code; default --currency' },
    { name: 'attributes.KEY', description: 'a custom attribute named KEY' },
  ],
  events: [
    ...customerIdentityFields('customer.'),
    { name: 'event', description: 'event name, e.g. Product Viewed (required for track events)' },
    { name: 'type', description: 'track (default), page, screen, identify, group or alias' },
    { name: 'timestamp', description: 'when it happened (required)' },
    { name: 'properties', description: 'a JSON object of properties' },
    { name: 'properties.KEY', description: 'one property named KEY' },
    { name: 'message_id', description: 'unique id of the event (derived from the row when absent)' },
  ],
  surveys: [
    ...customerIdentityFields('customer.'),
    { name: 'survey', description: 'nps (score 0–10) or csat (score 1–5) (required)' },
    { name: 'score', description: 'the answer, a whole number on the survey\'s scale (required)' },
    { name: 'answered_at', description: 'when the customer answered (required)' },
    { name: 'comment', description: "the customer's comment" },
    { name: 'response_id', description: "the survey tool's id of the response (derived from the row when absent)" },
    { name: 'properties.KEY', description: 'anything else about the answer, e.g. properties.store' },
  ],
};

const identityFieldNames = (prefix: string) => identityTypes.map((t) => `${prefix}${t}`);

/** Fields a file must map, each entry one of several; checked against the header before reading. */
export const requiredFields: Record<ImportKind, readonly (readonly string[])[]> = {
  customers: [identityFieldNames('')],
  orders: [['ordered_at'], ['amount', 'unit_price', 'order_total']],
  products: [['sku'], ['name']],
  events: [['timestamp'], identityFieldNames('customer.')],
  surveys: [['survey'], ['score'], ['answered_at'], identityFieldNames('customer.')],
};

/** The prefix under which a kind keeps free-form keys (`attributes.` or `properties.`), if any. */
export function freeFormPrefix(kind: ImportKind): 'attributes' | 'properties' | undefined {
  return kind === 'events' || kind === 'surveys' ? 'properties' : kind === 'customers' || kind === 'products' ? 'attributes' : undefined;
}

/** Whether `name` is a field of the kind (including `attributes.<key>` / `properties.<key>`). */
export function isTargetField(kind: ImportKind, name: string): boolean {
  const prefix = freeFormPrefix(kind);
  if (prefix && name.startsWith(`${prefix}.`) && name.length > prefix.length + 1) return true;
  return targetFields[kind].some((f) => f.name === name && !f.name.endsWith('.KEY'));
}

/** The fields of a kind as help text, one per line. */
export function describeFields(kind: ImportKind): string {
  const width = Math.max(...targetFields[kind].map((f) => f.name.length));
  return targetFields[kind].map((f) => `  ${f.name.padEnd(width)}  ${f.description}`).join('\n');
}
