import { invalidArgument } from '@pastemesh/kit/rpc';

/** A parsed query string as Fastify hands it over: a repeated parameter comes as an array. */
export type QueryParams = Record<string, string | string[] | undefined>;

/**
 * The one value of a query parameter, or undefined. A parameter given twice (`?expiry=1d&expiry=1h`) is
 * refused, naming it: picking either value would silently do what the client may not have meant.
 */
export function singleParam(query: QueryParams, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value))
    throw invalidArgument(name, `${name}: give it at most once (got ${value.length} values)`, 1);
  return value;
}
