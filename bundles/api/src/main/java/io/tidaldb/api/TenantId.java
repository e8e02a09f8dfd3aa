package io.tidaldb.api;

import java.util.regex.Pattern;

/**
 * A tenant: the isolation unit, part of every key, quota and metric.
 *
 * <p>A name is 1 to 64 characters of lower-case letters, digits, {@code _} and {@code -}, starting
 * with a letter or digit. {@link #DEFAULT} ({@code default}) always exists.
 *
 * @param name the tenant's name
 */
public record TenantId(String name) {
  /** Longest accepted name, in characters. */
  public static final int MAX_LENGTH = 64;

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

  /** The tenant every store has and that the convenience overloads use. */
  public static final TenantId DEFAULT = new TenantId("default");

  /**
   * Validates the name.
   *
   * @throws InvalidArgumentException if the name is null, empty, too long or malformed
   */
  public TenantId {
    Names.check("tenant", name, MAX_LENGTH, NAME, "lower-case letters, digits, '_' and '-'");
  }

  /**
   * Returns the tenant of this name.
   *
   * @param name the tenant's name
   * @return the tenant
   * @throws InvalidArgumentException if the name is malformed
   */
  public static TenantId of(String name) {
    return DEFAULT.name.equals(name) ? DEFAULT : new TenantId(name);
  }

  @Override
  public String toString() {
    return name;
  }
}
