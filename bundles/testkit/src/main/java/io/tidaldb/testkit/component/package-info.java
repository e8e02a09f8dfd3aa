/**
 * The test kit's DS component: builds a {@link io.tidaldb.testkit.SimulatedCluster} from the
 * configuration {@code io.tidaldb.testkit.cluster} and registers it as a service, so a Pax Exam
 * test can inject the cluster or its regions' stores. Private to the bundle.
 */
package io.tidaldb.testkit.component;
