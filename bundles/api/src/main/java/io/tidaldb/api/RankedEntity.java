package io.tidaldb.api;

/**
 * One entry of a top-K list.
 *
 * @param entity the entity
 * @param score its decayed score at the time of the read
 */
public record RankedEntity(EntityId entity, double score) {}
