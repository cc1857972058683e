/**
 * `@pagewright/vma`: VMAs, an O(log n) mapping tree, Linux's merge and split rules, and the reverse map.
 *
 * @packageDocumentation
 */

export {};
