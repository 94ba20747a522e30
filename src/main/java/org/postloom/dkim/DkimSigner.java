package org.postloom.dkim;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.postloom.intake.MessageSigner;
import org.postloom.intake.MessageStore.Reception;
import org.postloom.mail.Envelope;
import org.postloom.mail.QueueId;

/**
 * DKIM signing at reception (RFC 6376, RFC 8463): the client's content streams through a
 * {@link SigningTee}; at commit the signing domain is taken from the From field, and each key of
 * that domain adds one DKIM-Signature field in front of the message (two keys, typically RSA and
 * Ed25519, give the dual signature RFC 8463 recommends). Mail whose domain has no keys passes
 * unsigned. One log line per message says which.
 */
public final class DkimSigner implements MessageSigner {

    private static final System.Logger LOG = System.getLogger("org.postloom.dkim");
    private static final byte[] NOTHING = new byte[0];

    private final DkimKeys keys;
    private final DkimSettings settings;
    private final Clock clock;

    public DkimSigner(DkimKeys keys, DkimSettings settings, Clock clock) {
        this.keys = keys;
        this.settings = settings;
        this.clock = clock;
    }

    /** The signer for the configured keys, or {@link MessageSigner#NONE} when there are none. */
    public static MessageSigner of(DkimKeys keys, DkimSettings settings, Clock clock) {
        return keys.isEmpty() ? MessageSigner.NONE : new DkimSigner(keys, settings, clock);
    }

    @Override
    public Reception sign(Envelope envelope, Reception reception) {
        var tee = SigningTee.sha256(reception.body(), settings.headerCap(), settings.body());
        return new SigningReception(envelope.queueId(), reception, tee, this);
    }

    /** The DKIM-Signature fields for a message whose content has all gone through {@code tee}. */
    byte[] signatures(QueueId id, SigningTee tee) {
        if (!tee.withinCap()) {
            LOG.log(System.Logger.Level.WARNING, "dkim=none id=" + id + " reason=header-too-large limit="
                    + settings.headerCap());
            return NOTHING;
        }
        List<HeaderField> fields = tee.headerFields();
        Optional<String> domain = fields.stream().filter(f -> f.name().equals("from")).findFirst()
                .flatMap(from -> FromDomain.of(from.value()));
        if (domain.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "dkim=none id=" + id + " reason=no-from-domain");
            return NOTHING;
        }
        Optional<DkimKeys.Match> match = keys.find(domain.get(), settings.parentDomains());
        if (match.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "dkim=none id=" + id + " domain=" + domain.get());
            return NOTHING;
        }
        try {
            byte[] signed = sign(match.get(), fields, tee.bodyHash());
            LOG.log(System.Logger.Level.INFO, () -> "dkim=signed id=" + id + " d=" + match.get().domain()
                    + " s=" + match.get().selectors() + " a=" + match.get().algorithms());
            return signed;
        } catch (GeneralSecurityException | RuntimeException e) {
            // The key was good at start; a failure now is a bug, and mail unsigned beats mail refused.
            LOG.log(System.Logger.Level.ERROR, "dkim=error id=" + id + " d=" + match.get().domain() + " error=" + e, e);
            return NOTHING;
        }
    }

    private byte[] sign(DkimKeys.Match match, List<HeaderField> fields, byte[] bodyHash) throws GeneralSecurityException {
        var selection = HeaderSelection.of(fields, settings.signedHeaders(), settings.headers());
        var message = new SignatureHeader.Message(match.domain(), settings.headers(), settings.body(),
                clock.instant().getEpochSecond(), bodyHash, selection.names(), selection.canonical());
        var out = new ByteArrayOutputStream();
        for (SigningKey key : match.keys()) out.writeBytes(SignatureHeader.sign(key, message));
        return out.toByteArray();
    }
}
