import { differentialSuite } from './differential-suite.js';

// The model-based differential tests of every combination using the stack allocator (see differential-suite.ts).
differentialSuite('stack');
