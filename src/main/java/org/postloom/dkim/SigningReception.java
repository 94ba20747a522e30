package org.postloom.dkim;

import java.io.OutputStream;
import org.postloom.intake.IntakeException;
import org.postloom.intake.MessageStore.Reception;
import org.postloom.mail.QueueId;

/** A reception whose content passes a {@link SigningTee}, and whose signature fields go in front at commit. */
final class SigningReception implements Reception {

    private final QueueId id;
    private final Reception target;
    private final SigningTee tee;
    private final DkimSigner signer;

    SigningReception(QueueId id, Reception target, SigningTee tee, DkimSigner signer) {
        this.id = id;
        this.target = target;
        this.tee = tee;
        this.signer = signer;
    }

    @Override
    public OutputStream body() {
        return tee;
    }

    @Override
    public void prepend(byte[] headerLines) {
        target.prepend(headerLines);
    }

    @Override
    public void commit() throws IntakeException {
        byte[] signatures = signer.signatures(id, tee);
        if (signatures.length > 0) target.prepend(signatures);
        target.commit();
    }

    @Override
    public void close() {
        target.close();
    }
}
