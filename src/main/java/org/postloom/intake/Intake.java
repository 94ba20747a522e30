package org.postloom.intake;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Consumer;
import org.postloom.intake.MessageStore.Reception;
import org.postloom.mail.Envelope;
import org.postloom.mail.QueueId;

/**
 * The one reception path that SMTP and HTTP both take: storage is opened for the envelope, the
 * trace header goes first (RFC 5321 4.4), and the content that follows passes the signer (DKIM,
 * RFC 6376 5: signed once, before it is durable). Whoever called {@link #open} streams the
 * content into the returned reception and commits it; only then is the message queued.
 */
public final class Intake {

    private final MessageStore store;
    private final MessageSigner signer;
    private final Map<String, String> tenantOfSmtpUser;
    private final Consumer<Envelope> onQueued;

    /**
     * @param tenantOfSmtpUser the tenant each SMTP AUTH user's mail belongs to
     * @param onQueued         told of each message once it is durable (metrics by tenant)
     */
    public Intake(MessageStore store, MessageSigner signer, Map<String, String> tenantOfSmtpUser,
                  Consumer<Envelope> onQueued) {
        this.store = store;
        this.signer = signer;
        this.tenantOfSmtpUser = Map.copyOf(tenantOfSmtpUser);
        this.onQueued = onQueued;
    }

    /** Stores without signing, for no tenant: test relays and peers. */
    public static Intake unsigned(MessageStore store) {
        return new Intake(store, MessageSigner.NONE, Map.of(), envelope -> { });
    }

    public QueueId newQueueId() {
        return store.newQueueId();
    }

    /** Whether a new message would be taken now; asked before a client sends its content. */
    public boolean hasRoom() {
        return store.hasRoom();
    }

    /** The tenant whose mail an authenticated SMTP user sends, or empty (no user, or none of a tenant). */
    public String tenantOfSmtpUser(String user) {
        return user == null ? "" : tenantOfSmtpUser.getOrDefault(user, "");
    }

    /**
     * Opens storage for one message and writes its trace header. What is written to the
     * returned reception's body afterwards is the client's content, and is signed at commit.
     *
     * @param traceHeader the Received field (or fields), each line ending in CRLF
     */
    public Reception open(Envelope envelope, String traceHeader) throws IntakeException {
        Reception stored = store.receive(envelope);
        try {
            stored.body().write(traceHeader.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            stored.close();
            throw e instanceof IntakeException s ? s : new IntakeException(IntakeException.Kind.FAILED, e.getMessage(), e);
        }
        return new Counted(envelope, signer.sign(envelope, stored));
    }

    /** Tells {@link #onQueued} once the message is durable. */
    private final class Counted implements Reception {
        private final Envelope envelope;
        private final Reception target;

        Counted(Envelope envelope, Reception target) {
            this.envelope = envelope;
            this.target = target;
        }

        @Override
        public OutputStream body() {
            return target.body();
        }

        @Override
        public void prepend(byte[] headerLines) {
            target.prepend(headerLines);
        }

        @Override
        public void commit() throws IntakeException {
            target.commit();
            onQueued.accept(envelope);
        }

        @Override
        public void close() {
            target.close();
        }
    }
}
