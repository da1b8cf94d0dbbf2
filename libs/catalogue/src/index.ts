/** @app/catalogue: the clinic's synthetic catalogue (codes, fees, pharmacies, opening hours). */
export * from './catalogue.data';
export * from './catalogue';
