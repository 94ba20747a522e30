package org.postloom.dkim;

import java.security.PrivateKey;

/** A private key that signs for one domain under one selector ({@code s=}). */
public record SigningKey(String selector, Algorithm algorithm, PrivateKey key) {
}
