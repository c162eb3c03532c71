import type { FastifyInstance } from 'fastify';

/**
 * The API's JSON bodies: Fastify's own parser (prototype poisoning refused), except that an empty
 * body with `Content-Type: application/json` (what `fetch(url, {method: 'POST', headers})` sends)
 * counts as no body, so a route that takes none accepts it and one that needs one says so. Other
 * content types are refused (415 → DBF_INVALID_INPUT naming the one to use).
 */
export function acceptJsonOnly(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') {
      done(null, undefined);
      return;
    }
    parse(request, text, done);
  });
}
