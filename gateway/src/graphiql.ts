import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { RequestHandler } from 'express';

export const GRAPHIQL_PATH = '/graphiql';

/**
 * A GraphiQL that works offline, outside production: Apollo Sandbox (the landing page on
 * /graphql) loads from Apollo's CDN, while this page is one self-contained document (GraphiQL,
 * React, Monaco and their workers come bundled in @graphql-yoga/render-graphiql), so it needs
 * nothing but this gateway. Queries and mutations go over HTTP to /graphql, subscriptions over
 * graphql-ws on the same path, like a storefront's.
 */
export function graphiqlPage(graphqlPath: string): RequestHandler {
  let html: string | undefined;
  return (_req, res) => {
    // Rendered on first use: the document is several megabytes, and most runs never ask for it.
    html ??= renderGraphiQL({
      title: 'NovaMart GraphiQL',
      endpoint: graphqlPath,
      subscriptionsProtocol: 'WS',
      defaultQuery:
        '{\n  products(first: 5) {\n    edges {\n      node {\n        name\n      }\n    }\n  }\n}\n',
    });
    res.type('html').setHeader('cache-control', 'no-cache').send(html);
  };
}
