/**
 * Placeholder for the `pagewright` command until the CLI issue lands: prints the core constants.
 */
import {
  Errno,
  MAP_FIXED_NOREPLACE,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  VM_FLAG_MNEMONICS,
} from '@pagewright/core';

console.log('pagewright — core constants (the demo arrives with apps/cli)');
console.log(`PAGE_SIZE            ${PAGE_SIZE}`);
console.log(`PROT_READ|PROT_WRITE ${PROT_READ | PROT_WRITE}`);
console.log(`MAP_FIXED_NOREPLACE  0x${MAP_FIXED_NOREPLACE.toString(16)}`);
console.log(`ENOMEM / EINVAL      ${Errno.ENOMEM} / ${Errno.EINVAL}`);
console.log(`VmFlags mnemonics    ${VM_FLAG_MNEMONICS.filter(Boolean).join(' ')}`);
