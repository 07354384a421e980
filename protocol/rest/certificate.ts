/** Certificates: what `POST /certificates` takes, what the certificate routes return, and a pool's reference to one. */
import Type, { type Static } from "typebox";
import { certificateFormats, certificateStates, certificateVisibilities } from "../states.js";
import { literalUnion, NameValuePair, strict, Timestamp } from "./common.js";

/** Azure accepts only SHA-1 thumbprints; any case. */
export const ThumbprintAlgorithm = Type.String({
  pattern: "^[Ss][Hh][Aa]1$",
  description: "The thumbprint's hash algorithm: sha1.",
});

/** Hex digits; spaces (as Windows shows thumbprints) are removed. */
export const Thumbprint = Type.String({
  pattern: "^[0-9A-Fa-f ]+$",
  description: "The certificate's SHA-1 thumbprint: 40 hex digits, spaces allowed.",
});

/** Body of `POST /certificates`. `data` and `password` are kept as secrets: never returned, never logged. */
export const CertificateAddParameter = Type.Object(
  {
    thumbprint: Thumbprint,
    thumbprintAlgorithm: ThumbprintAlgorithm,
    data: Type.String({ minLength: 1, description: "The certificate file, base64." }),
    certificateFormat: Type.Optional(literalUnion(certificateFormats)),
    password: Type.Optional(Type.String()),
  },
  strict,
);
export type CertificateAddParameter = Static<typeof CertificateAddParameter>;

export const DeleteCertificateError = Type.Object({
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  values: Type.Optional(Type.Array(NameValuePair)),
});

/** A certificate as `GET /certificates(...)` returns it: its public part only. */
export const Certificate = Type.Object({
  thumbprint: Type.String(),
  thumbprintAlgorithm: Type.String(),
  url: Type.String(),
  state: literalUnion(certificateStates),
  stateTransitionTime: Timestamp,
  previousState: Type.Optional(literalUnion(certificateStates)),
  previousStateTransitionTime: Type.Optional(Timestamp),
  publicData: Type.String(),
  deleteCertificateError: Type.Optional(DeleteCertificateError),
});
export type Certificate = Static<typeof Certificate>;

/** A pool's reference to a certificate of the account: installed on every node of the pool. */
export const CertificateReference = Type.Object(
  {
    thumbprint: Thumbprint,
    thumbprintAlgorithm: ThumbprintAlgorithm,
    storeLocation: Type.Optional(literalUnion(["currentuser", "localmachine"] as const)),
    storeName: Type.Optional(Type.String()),
    visibility: Type.Optional(Type.Array(literalUnion(certificateVisibilities))),
  },
  strict,
);
export type CertificateReference = Static<typeof CertificateReference>;
