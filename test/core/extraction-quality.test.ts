import { CORPORA, scoreCorpus } from '../support/extraction-scores';

/**
 * Extraction is heuristic, so it is held to measured quality on labelled real-world-style mail rather than
 * to exact outputs: these floors sit just under the scores recorded in the README and fail on a regression.
 */
describe('extraction quality on labelled mail', () => {
  it('on the corpus the heuristics were developed against: codes and classified links near perfect', async () => {
    const scores = await scoreCorpus(CORPORA.tuning);
    expect(scores.messages).toBeGreaterThanOrEqual(40);
    expect(scores.codes.precision).toBeGreaterThanOrEqual(0.97);
    expect(scores.codes.recall).toBeGreaterThanOrEqual(0.97);
    expect(scores.links.precision).toBeGreaterThanOrEqual(0.97);
    expect(scores.links.recall).toBeGreaterThanOrEqual(0.97);
  });
});
