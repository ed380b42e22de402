/** Orders, their lines and refunds, and the product catalogue; every write keeps customer_stats current. */
export {
  recordOrders,
  recordOrdersInTransaction,
  recordRefunds,
  recordRefundsInTransaction,
  upsertProducts,
  type RecordOrdersResult,
  type RecordRefundsResult,
} from './record.ts';
export {
  orderCustomerSchema,
  orderInputSchema,
  orderItemSchema,
  productInputSchema,
  refundInputSchema,
  type OrderInput,
  type ParsedOrder,
  type ProductInput,
  type RefundInput,
} from './schema.ts';
