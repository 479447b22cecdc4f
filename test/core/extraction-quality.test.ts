import { CORPORA, scoreCorpus } from '../support/extraction-scores';

/**
 * Extraction is heuristic, so it is held to measured quality on labelled real-world-style mail rather than
 * to exact outputs: these floors sit just under the scores recorded in the README and fail on a regression.
 */
describe('extraction quality on labelled mail', () => {
  it.each([
    ['the corpus the heuristics were developed against (14 languages)', CORPORA.tuning, { codes: [0.97, 0.97], links: [0.97, 0.97] }],
    ['the independently labelled corpus (21 languages, legacy charsets)', CORPORA.independent, { codes: [0.95, 0.97], links: [0.97, 0.97] }],
  ])('on %s: codes and classified links above their floors (precision, recall)', async (_name, corpus, floors) => {
    const scores = await scoreCorpus(corpus);
    expect(scores.messages).toBeGreaterThanOrEqual(40);
    expect(scores.codes.precision).toBeGreaterThanOrEqual(floors.codes[0]);
    expect(scores.codes.recall).toBeGreaterThanOrEqual(floors.codes[1]);
    expect(scores.links.precision).toBeGreaterThanOrEqual(floors.links[0]);
    expect(scores.links.recall).toBeGreaterThanOrEqual(floors.links[1]);
  });
});
