/** The DS component of the tenant registry (private). */
package io.tidaldb.tenancy.component;
