// Runnable example of @pagewright/core (see README.md): npx tsx packages/core/examples/basics.ts
import {
  createRng,
  Errno,
  formatVmFlags,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MmError,
  mmapVmFlags,
  OVERFLOW,
  PROT_READ,
  PROT_WRITE,
  pageAlignUp,
  pagesForBytes,
} from '../src/index.js';

console.log(pagesForBytes(4097));
console.log(pageAlignUp(2 ** 53 + 2) === OVERFLOW);
console.log(formatVmFlags(mmapVmFlags(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS)));
console.log(new MmError('ENOMEM').toReturnValue(), Errno.EEXIST);
console.log(createRng(42).nextInt(6));
