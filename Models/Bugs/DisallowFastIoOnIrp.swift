// fltcheck-expect: violated DisallowFastIoOnlyFastIo
// DisallowFastIoOnlyFastIo (catalog P7): FLT_PREOP_DISALLOW_FASTIO is returned only for fast I/O
// operations (FLT_IS_FASTIO_OPERATION).
//
// The mistake: an encryption filter wants every read of an encrypted file to come as an IRP so that
// its post-read can decrypt the buffer. It returns FLT_PREOP_DISALLOW_FASTIO for reads of encrypted
// files without checking FLT_IS_FASTIO_OPERATION, so the IRP reads it wants to see are refused too.
// (The fix: `If(Op.isFastIo) { Return(.disallowFastIo) }` and SUCCESS_WITH_CALLBACK for IRPs.)
import FltModel

let model = Model("DisallowFastIoOnIrp") {
    Workload {
        Requests(.read, count: 1, kind: .fastIo)
        Requests(.read, count: 1)
    }
    Filter("Decryptor", altitude: 141_000) {
        let encrypted = BoolVariable("encrypted", initial: true)
        PreOperation(.read) {
            If(encrypted) {
                // BUG: not only fast I/O gets here.
                Return(.disallowFastIo)
            }
            Return(.successWithCallback)
        }
        PostOperation(.read) {
            Return(.finishedProcessing)
        }
    }
}
