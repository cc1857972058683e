/**
 * ELF64 constants (include/uapi/linux/elf.h, elf-em.h; the System V gABI).
 *
 * @module
 */

/** `\x7fELF`. */
export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;
/** `EI_CLASS`: 32-bit objects. */
export const ELFCLASS32 = 1;
/** `EI_CLASS`: 64-bit objects. */
export const ELFCLASS64 = 2;
/** `EI_DATA`: two's complement, little-endian. */
export const ELFDATA2LSB = 1;
/** `EI_DATA`: two's complement, big-endian. */
export const ELFDATA2MSB = 2;
/** `EI_VERSION` / `e_version`: the current version. */
export const EV_CURRENT = 1;
/** `EI_OSABI`: UNIX System V (what Linux toolchains write). */
export const ELFOSABI_SYSV = 0;
/** `EI_OSABI`: GNU/Linux. */
export const ELFOSABI_GNU = 3;

/** `e_type`: no file type. */
export const ET_NONE = 0;
/** `e_type`: relocatable file. */
export const ET_REL = 1;
/** `e_type`: executable file (fixed addresses). */
export const ET_EXEC = 2;
/** `e_type`: shared object / position-independent executable. */
export const ET_DYN = 3;
/** `e_type`: core file. */
export const ET_CORE = 4;

/** `e_machine`: AMD x86-64. */
export const EM_X86_64 = 62;
/** `e_machine`: RISC-V. */
export const EM_RISCV = 243;

/** Size of the ELF64 header. */
export const ELF64_EHDR_SIZE = 64;
/** Size of one ELF64 program header (`sizeof(struct elf64_phdr)`). */
export const ELF64_PHDR_SIZE = 56;

/** `p_type`: unused entry. */
export const PT_NULL = 0;
/** `p_type`: loadable segment. */
export const PT_LOAD = 1;
/** `p_type`: dynamic linking information. */
export const PT_DYNAMIC = 2;
/** `p_type`: the program interpreter's path. */
export const PT_INTERP = 3;
/** `p_type`: auxiliary information (notes). */
export const PT_NOTE = 4;
/** `p_type`: reserved. */
export const PT_SHLIB = 5;
/** `p_type`: the program header table itself. */
export const PT_PHDR = 6;
/** `p_type`: thread-local storage template. */
export const PT_TLS = 7;
/** `p_type`: GCC `.eh_frame_hdr`. */
export const PT_GNU_EH_FRAME = 0x6474e550;
/** `p_type`: stack executability (its `PF_X` flag). */
export const PT_GNU_STACK = 0x6474e551;
/** `p_type`: read-only after relocation. */
export const PT_GNU_RELRO = 0x6474e552;
/** `p_type`: GNU property notes. */
export const PT_GNU_PROPERTY = 0x6474e553;
/** `p_type`: first processor-specific type. */
export const PT_LOPROC = 0x70000000;
/** `p_type`: last processor-specific type. */
export const PT_HIPROC = 0x7fffffff;
/** `p_type`: RISC-V `.riscv.attributes`. */
export const PT_RISCV_ATTRIBUTES = 0x70000003;

/** `p_flags`: executable. */
export const PF_X = 1;
/** `p_flags`: writable. */
export const PF_W = 2;
/** `p_flags`: readable. */
export const PF_R = 4;

/** Linux's `PATH_MAX`: the longest `PT_INTERP` accepted, NUL included. */
export const ELF_INTERP_MAX = 4096;
