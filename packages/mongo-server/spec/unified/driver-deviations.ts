// Tests that assert behaviour of the Node.js driver that the driver does not have. They cannot
// pass or fail because of the server, so they are skipped with the driver's own tracking
// ticket, exactly as the driver's own unified runner skips them. Keyed by test description.
const DEVIATIONS: Record<string, string> = {
  // The driver replaces a null _id with a fresh ObjectId before sending (utils.maybeAddIdToDocuments,
  // client bulk write command builder).
  'inserting _id with type null via insertOne': 'NODE-6468: the driver replaces a null _id with an ObjectId',
  'inserting _id with type null via insertMany': 'NODE-6468: the driver replaces a null _id with an ObjectId',
  'inserting _id with type null via bulkWrite': 'NODE-6468: the driver replaces a null _id with an ObjectId',
  'inserting _id with type null via clientBulkWrite':
    'NODE-6468: the driver replaces a null _id with an ObjectId',
  // The driver reports a partial result even when no write succeeded.
  'partialResult is unset when all operations fail during an unordered bulk write':
    'NODE-6384: the driver sets partialResult when nothing succeeded',
  'partialResult is unset when first operation fails during an ordered bulk write (summary)':
    'NODE-6384: the driver sets partialResult when nothing succeeded',
  'partialResult is unset when first operation fails during an ordered bulk write (verbose)':
    'NODE-6384: the driver sets partialResult when nothing succeeded',
  // The driver only sends bypassDocumentValidation when it is true for these commands.
  'InsertMany passes bypassDocumentValidation: false':
    'NODE-6484: the driver omits bypassDocumentValidation: false',
  'FindOneAndUpdate passes bypassDocumentValidation: false':
    'NODE-6484: the driver omits bypassDocumentValidation: false',
  'FindOneAndReplace passes bypassDocumentValidation: false':
    'NODE-6484: the driver omits bypassDocumentValidation: false',
  'BulkWrite passes bypassDocumentValidation: false':
    'NODE-6484: the driver omits bypassDocumentValidation: false',
  'Aggregate with $out passes bypassDocumentValidation: false':
    'NODE-6484: the driver omits bypassDocumentValidation: false',
};

/** Applies only to the official driver; a MONGO_URL run against real mongod skips the same tests. */
export function driverDeviation(description: string): string | undefined {
  const ticket = DEVIATIONS[description];
  return ticket ? `Node.js driver deviation (${ticket})` : undefined;
}
