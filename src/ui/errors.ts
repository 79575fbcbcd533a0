import { PipelabError } from "../errors";

/** The web page of runs could not start or serve (a port in use, a host that needs a token). */
export class UiError extends PipelabError {}
