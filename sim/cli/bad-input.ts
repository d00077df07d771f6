/**
 * Input the command line cannot use: a bad file, scenario, argument or seed range. A command
 * that throws it prints the message (which names the file and the field path) with the
 * command's usage and exits 2.
 */
export class BadInput extends Error {}
